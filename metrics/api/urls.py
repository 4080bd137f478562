"""Routes of the metrics app's API, registered on the one v1 router by crm/api.py."""

from metrics.api.views import KpiViewSet

routes = [("kpis", KpiViewSet, "kpi")]
