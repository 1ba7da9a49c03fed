"""Regulated offers: crowdfunding-rule steps for pools that take loans with interest or transferable securities.

Which pools count as regulated is a setting per pool (PoolOffer), with defaults by instrument taken from
settings.OFFERS_REGULATED_INSTRUMENTS; the installation may forbid regulated pools altogether
(settings.OFFERS_REGULATED_ALLOWED). The models live in pools/offers/models.py under the pools app.
"""
