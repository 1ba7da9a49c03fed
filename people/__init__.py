"""Work that needs every app for one person: the personal-data export, erasure, confirming an email.

It sits above the domain apps (accounts, pools, invest, treasury) so that none of them has to
import another one's models for a person's sake; tests/test_architecture.py keeps the order.
"""
