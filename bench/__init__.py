"""Performance scripts. The bare views in bench/views.py are mounted only with LOKALKAPITAL_BENCH=1."""
