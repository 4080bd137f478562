"""Pages of the scoring app: the model page and its "Train now" button."""

from django.urls import path

from scoring import views

app_name = "scoring"

urlpatterns: list = [
    path("settings/scoring/", views.model_page, name="model"),
    path("settings/scoring/train/", views.train_now, name="train"),
]
