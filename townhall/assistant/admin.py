from django.contrib import admin

from townhall.assistant.models import KnowledgeArticle, ServicePhrase


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ("slug", "language", "title", "service", "published", "updated_at")
    list_filter = ("language", "published", "jurisdiction")
    search_fields = ("slug", "title", "body", "tags")


@admin.register(ServicePhrase)
class ServicePhraseAdmin(admin.ModelAdmin):
    list_display = ("text", "service", "language")
    list_filter = ("language", "service")
    search_fields = ("text",)
