from django.contrib import admin

from townhall.places.models import Area, Jurisdiction


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_default")


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "jurisdiction", "population")
    list_filter = ("jurisdiction", "kind")
