"""Pages of the workflow: marketing's lead pages (views/marketing.py), sales (views/sales.py)."""

from django.urls import path

from handoff.views import marketing as views
from handoff.views import sales as views_sales
from handoff.views import settings_routing as views_routing
from handoff.views import settings_team as views_team

app_name = "handoff"

urlpatterns = [
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/bulk/", views.lead_bulk, name="lead_bulk"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:lead_id>/edit/", views.lead_edit, name="lead_edit"),
    path("leads/<int:lead_id>/touches/", views.lead_touch_add, name="lead_touch_add"),
    path("leads/<int:lead_id>/<slug:move>/", views.lead_move, name="lead_move"),
    path("inbox/", views_sales.inbox, name="inbox"),
    path("inbox/<int:lead_id>/answer/", views_sales.inbox_answer, name="inbox_answer"),
    path("inbox/<int:lead_id>/accept/", views_sales.inbox_accept, name="inbox_accept"),
    path("inbox/<int:lead_id>/reject/", views_sales.inbox_reject, name="inbox_reject"),
    path("inbox/<int:lead_id>/convert/", views_sales.inbox_convert, name="inbox_convert"),
    path("pipeline/", views_sales.pipeline, name="pipeline"),
    path(
        "pipeline/<int:opportunity_id>/stage/",
        views_sales.opportunity_stage,
        name="opportunity_stage",
    ),
    path("pipeline/<int:opportunity_id>/win/", views_sales.opportunity_win, name="opportunity_win"),
    path(
        "pipeline/<int:opportunity_id>/lose/", views_sales.opportunity_lose, name="opportunity_lose"
    ),
]

# The settings pages of the team, the SLA and routing (the hub and history are in crm).
urlpatterns += [
    path("settings/users/", views_team.users, name="settings_users"),
    path("settings/users/new/", views_team.user_new, name="settings_user_new"),
    path("settings/users/<int:user_id>/", views_team.user_detail, name="settings_user"),
    path("settings/me/", views_team.me, name="settings_me"),
    path("settings/welcome/<uidb64>/<token>/", views_team.set_password, name="set_password"),
    path("settings/sla/", views_routing.sla, name="settings_sla"),
    path("settings/sla/new/", views_routing.sla_policy_edit, name="settings_sla_new"),
    path("settings/sla/<int:policy_id>/", views_routing.sla_policy_edit, name="settings_sla_edit"),
    path(
        "settings/sla/<int:policy_id>/delete/",
        views_routing.sla_policy_delete,
        name="settings_sla_delete",
    ),
    path("settings/hours/new/", views_routing.hours_edit, name="settings_hours_new"),
    path("settings/hours/<int:hours_id>/", views_routing.hours_edit, name="settings_hours_edit"),
    path(
        "settings/hours/<int:hours_id>/delete/",
        views_routing.hours_delete,
        name="settings_hours_delete",
    ),
    path("settings/routing/", views_routing.rules, name="settings_rules"),
    path("settings/routing/new/", views_routing.rule_edit, name="settings_rule_new"),
    path("settings/routing/<int:rule_id>/", views_routing.rule_edit, name="settings_rule_edit"),
    path(
        "settings/routing/<int:rule_id>/delete/",
        views_routing.rule_delete,
        name="settings_rule_delete",
    ),
    path(
        "settings/routing/<int:rule_id>/move/", views_routing.rule_move, name="settings_rule_move"
    ),
]
