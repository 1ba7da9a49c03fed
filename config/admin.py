"""The Django admin behind django-otp: every admin user must have verified a second factor.

OTPAdminSite refuses a session whose user was not verified with an OTP device, whoever the
user is (a superuser made with `createsuperuser` included); its login form asks for the code.
"""

from django.contrib.admin.apps import AdminConfig


class OTPAdminConfig(AdminConfig):
    default_site = "django_otp.admin.OTPAdminSite"
