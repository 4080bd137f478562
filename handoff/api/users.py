"""`GET /users/`: active users with their roles, for picking assignees and owners."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from leads.api.common import RolePermission
from leads.roles import MANAGER, MARKETING, ROLES, SALES

User = get_user_model()


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "roles"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ROLES)))
    def get_roles(self, user: User) -> list[str]:
        return sorted(g.name for g in user.groups.all() if g.name in ROLES)


class UserFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(
        choices=[(r, r) for r in ROLES], field_name="groups__name", label="role"
    )

    class Meta:
        model = User
        fields = ["role"]


@extend_schema_view(
    list=extend_schema(summary="List active users (filter by role)", tags=["users"]),
    retrieve=extend_schema(summary="Get a user", tags=["users"]),
)
class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = UserSerializer
    permission_classes = [RolePermission]
    read_roles = (MARKETING, SALES, MANAGER)
    filterset_class = UserFilter
    ordering_fields = ["id", "username", "last_name"]
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self) -> QuerySet:
        from django.contrib.auth.models import Group

        return User.objects.filter(is_active=True).prefetch_related(
            Prefetch("groups", queryset=Group.objects.filter(name__in=ROLES))
        )
