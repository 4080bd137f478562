"""The campaign list's FilterSet, shared by the campaign pages and the API."""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from leads.models import Campaign, CampaignStatus, Channel


class CampaignFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))
    channel = django_filters.ChoiceFilter(
        choices=Channel.choices, label=_("Channel"), empty_label=_("All channels")
    )
    status = django_filters.ChoiceFilter(
        choices=CampaignStatus.choices, label=_("Status"), empty_label=_("All statuses")
    )

    class Meta:
        model = Campaign
        fields = ["q", "channel", "status"]

    @property
    def qs(self) -> QuerySet[Campaign]:
        return super().qs
