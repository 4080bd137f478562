"""Pages of the alignment app: the planner, the agreement, the digest preview."""

app_name = "alignment"

urlpatterns: list = []
