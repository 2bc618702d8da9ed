from django.urls import path

from townhall.assistant import views

app_name = "assistant"
urlpatterns = [
    path("assistant/", views.chat, name="chat"),
    path("assistant/restart/", views.restart, name="restart"),
    path("assistant/sms/", views.sms_webhook, name="sms"),
    path("help/<slug:slug>/", views.article, name="article"),
]
