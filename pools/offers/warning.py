"""The fixed risk warning the crowdfunding regulation asks every key investment information sheet to carry."""

from django.utils.translation import gettext_lazy as _

WARNING_TEXT = _(
    "This crowdfunding offer has been neither verified nor approved by competent authorities or the European "
    "Securities and Markets Authority (ESMA). The appropriateness of your experience and knowledge have not "
    "necessarily been assessed before you were given access to this investment. By making this investment, you "
    "assume full risk of taking this investment, including the risk of partial or entire loss of the money invested."
)
