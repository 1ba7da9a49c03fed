"""Public community pages: /c/<slug>/ in the community's colours, and the national list of open pools."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.forms.utils import flatatt
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from communities.selectors import community_get_by_slug
from invest.selectors import community_region_choices, community_showcase
from pools.models import PoolKind
from pools.selectors import CLOSING_SOON_DAYS, pool_search_open
from web.fragments import rendered

POOLS_PER_PAGE = 24


class LongSelect(forms.Select):
    """A select of flat choices written out in Python: the template widget renders each option through a template
    of its own, which on the national page (a municipality for every community) cost more than its queries."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        chosen = set(self.format_value(value))
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, " selected" if str(key) in chosen else "", label) for key, label in self.choices),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


class PoolSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    region = forms.ChoiceField(label=_("Region"), required=False, widget=LongSelect)
    municipality = forms.ChoiceField(label=_("Municipality"), required=False, widget=LongSelect)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *PoolKind.choices])
    closing_soon = forms.BooleanField(label=_("Closing soon"), required=False)

    def __init__(self, *args: object, regions: list[str], municipalities: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["region"].choices = [("", _("All regions")), *((r, r) for r in regions)]  # type: ignore[attr-defined]
        self.fields["municipality"].choices = [("", _("All municipalities")), *((m, m) for m in municipalities)]  # type: ignore[attr-defined]


@require_GET
def pool_search(request: HttpRequest) -> HttpResponse:
    """Open pools across every community, with search text, region, municipality, kind and closing soon."""
    regions, municipalities = community_region_choices()
    form = PoolSearchForm(request.GET or None, regions=regions, municipalities=municipalities)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = timezone.localdate()
    pools = pool_search_open(
        q=data.get("q", ""),
        region=data.get("region", ""),
        municipality=data.get("municipality", ""),
        kind=data.get("kind", ""),
        closing_soon=bool(data.get("closing_soon")),
        today=today,
    )
    page = Paginator(pools, POOLS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    filters = rendered(  # the form's widgets cost more than its queries: kept by what they show (web/fragments.py)
        "communities/_pool_filters.html",
        {
            "regions": regions,
            "municipalities": municipalities,
            "data": {name: request.GET.getlist(name) for name in form.fields},
            "closing_soon_days": CLOSING_SOON_DAYS,
        },
        lambda: render_to_string(
            "communities/_pool_filters.html", {"form": form, "closing_soon_days": CLOSING_SOON_DAYS}
        ),
    )
    return render(
        request,
        "communities/pool_search.html",
        {
            "filters": filters,
            "page": page,
            "rows": [{"pool": pool, "days_left": pool.days_left(today)} for pool in page.object_list],
            "query": query.urlencode(),
            "closing_soon_days": CLOSING_SOON_DAYS,
            "invalid": form.is_bound and not form.is_valid(),
        },
    )


@require_GET
def community_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A community's own page: its projects, open pools, coming fairs and funds, in its colour and logo."""
    community = community_get_by_slug(slug=slug)
    today = timezone.localdate()
    showcase = community_showcase(community=community, today=today)
    return render(
        request,
        "communities/community.html",
        {
            "community": community,
            "showcase": showcase,
            "pool_rows": [{"pool": pool, "days_left": pool.days_left(today)} for pool in showcase.pools],
        },
    )


@require_GET
def community_theme(request: HttpRequest, slug: str) -> HttpResponse:
    """The community's colour as a CSS custom property (a stylesheet: the CSP allows no inline styles)."""
    community = community_get_by_slug(slug=slug)
    css = f":root {{ --community-colour: {community.colour}; }}\n"  # a #rrggbb checked by the database
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response
