"""The UTM matching rule of web-form submissions (pure)."""

import datetime as dt

from integrations.public_forms.matching import CampaignUtm, clean_utm, pick_campaign

DAY = dt.date(2026, 1, 1)


def _utm(source: str = "", medium: str = "", campaign: str = "") -> dict[str, str]:
    return clean_utm({"utm_source": source, "utm_medium": medium, "utm_campaign": campaign})


def test_no_candidate_gives_the_forms_own_campaign():
    assert pick_campaign([], _utm("google"), own_campaign_id=7) == 7


def test_all_non_empty_fields_must_match_ignoring_case():
    google_cpc = CampaignUtm(1, DAY, utm_source="Google", utm_medium="CPC")
    assert pick_campaign([google_cpc], _utm("google", "cpc"), own_campaign_id=9) == 1
    assert pick_campaign([google_cpc], _utm("google"), own_campaign_id=9) == 9
    assert pick_campaign([google_cpc], _utm("google", "email"), own_campaign_id=9) == 9


def test_the_most_specific_match_wins():
    source_only = CampaignUtm(1, DAY, utm_source="google")
    full = CampaignUtm(2, DAY, utm_source="google", utm_medium="cpc", utm_campaign="spring")
    utm = _utm("google", "cpc", "spring")
    assert pick_campaign([source_only, full], utm, own_campaign_id=9) == 2
    assert pick_campaign([source_only, full], _utm("google", "cpc", "autumn"), 9) == 1


def test_ties_go_to_the_own_campaign_then_the_latest_start_then_the_lowest_id():
    older = CampaignUtm(1, DAY, utm_source="google")
    newer = CampaignUtm(2, DAY + dt.timedelta(days=5), utm_source="google")
    twin = CampaignUtm(3, DAY + dt.timedelta(days=5), utm_source="google")
    assert pick_campaign([older, newer], _utm("google"), own_campaign_id=1) == 1
    assert pick_campaign([older, newer, twin], _utm("google"), own_campaign_id=9) == 2


def test_a_campaign_without_utm_fields_never_matches():
    assert pick_campaign([CampaignUtm(1, DAY)], _utm("google"), own_campaign_id=9) == 9


def test_odd_utm_values_count_as_empty():
    cleaned = clean_utm({"utm_source": "x" * 101, "utm_medium": "a\x00b", "utm_campaign": 5})
    assert cleaned == {"utm_source": "", "utm_medium": "", "utm_campaign": ""}
    assert clean_utm({"utm_source": "  Google "})["utm_source"] == "google"
