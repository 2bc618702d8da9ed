from django.urls import path

from townhall.staff.views import auth, oversight, settings, work

app_name = "staff"
urlpatterns = [
    path("login/", auth.login, name="login"),
    path("login/verify/", auth.verify, name="verify"),
    path("two-step/setup/", auth.setup, name="setup"),
    path("two-step/qr.svg", auth.qr_code, name="qr_code"),
    path("two-step/recovery-codes/", auth.recovery_codes, name="recovery_codes"),
    path("logout/", auth.logout, name="logout"),
    path("", work.queue, name="queue"),
    path("map/", work.map_view, name="map"),
    path("map.json", work.map_data, name="map_data"),
    path("bulk/", work.bulk, name="bulk"),
    path("new/", work.new_request, name="new_request"),
    path("requests/<str:public_id>/", work.request_detail, name="request"),
    path("requests/<str:public_id>/status/", work.set_status, name="set_status"),
    path("requests/<str:public_id>/note/", work.note, name="note"),
    path("requests/<str:public_id>/assign/", work.assign_view, name="assign"),
    path("requests/<str:public_id>/service/", work.service_view, name="change_service"),
    path("requests/<str:public_id>/transfer/", work.transfer_view, name="transfer"),
    path("requests/<str:public_id>/merge/", work.merge_view, name="merge"),
    path("audit/", oversight.audit, name="audit"),
    path("messages/failed/", oversight.failed_notifications, name="failed_notifications"),
    path("messages/<int:pk>/retry/", oversight.retry, name="retry_notification"),
    path("settings/", settings.index, name="settings"),
    path("settings/users/", settings.users, name="users"),
    path("settings/users/new/", settings.user_edit, name="user_new"),
    path("settings/users/<int:pk>/", settings.user_edit, name="user_edit"),
    path("settings/users/<int:pk>/reset-two-step/", settings.user_reset_2fa, name="user_reset_2fa"),
    path("settings/<str:kind>/", settings.setting_list, name="setting_list"),
    path("settings/<str:kind>/new/", settings.setting_edit, name="setting_new"),
    path("settings/<str:kind>/<int:pk>/", settings.setting_edit, name="setting_edit"),
    path("settings/<str:kind>/<int:pk>/delete/", settings.setting_delete, name="setting_delete"),
]
