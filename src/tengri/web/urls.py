from django.contrib.auth import views as auth_views
from django.urls import path

from tengri.web import applications, capacity, checkpoints, devices, permits, views
from tengri.web import indicators as indicator_pages

urlpatterns = [
    path("routes/", views.route_list_page, name="route-list"),
    path("routes/<str:code>/", views.route_page, name="route-detail"),
    path("routes/<str:code>/profile.<str:fmt>", views.route_profile_picture, name="route-profile"),
    path("routes/<str:code>/map.<str:fmt>", views.route_map_picture, name="route-map"),
    path("checkpoints/", views.checkpoint_list_page, name="checkpoint-list"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("start/", applications.home, name="start"),
    path("applications/", applications.application_list_page, name="application-list"),
    path("applications/new", applications.application_create_view, name="application-create"),
    path("applications/<str:reference>/", applications.application_page, name="application-detail"),
    path("applications/<str:reference>/findings", applications.application_findings_panel, name="application-findings"),
    path("applications/<str:reference>/details", applications.application_details_view, name="application-details"),
    path("applications/<str:reference>/itinerary", applications.itinerary_view, name="application-itinerary"),
    path("applications/<str:reference>/members", applications.members_add_view, name="application-members"),
    path(
        "applications/<str:reference>/members/<int:member_id>/remove",
        applications.member_remove_view,
        name="application-member-remove",
    ),
    path("applications/<str:reference>/submit", applications.application_submit_view, name="application-submit"),
    path("applications/<str:reference>/withdraw", applications.application_withdraw_view, name="application-withdraw"),
    path("applications/<str:reference>/decide", applications.decision_view, name="application-decide"),
    path("applications/<str:reference>/hold", capacity.hold_place_view, name="application-hold"),
    path("applications/<str:reference>/waitlist", capacity.waitlist_join_view, name="application-waitlist"),
    path("review/", applications.review_queue_page, name="review-queue"),
    path("capacity/", capacity.capacity_calendar_page, name="capacity-calendar"),
    path("capacity/usage", capacity.capacity_usage_page, name="capacity-usage"),
    path("permits/<str:permit_id>/", permits.permit_page, name="permit-detail"),
    path("permits/<str:permit_id>.pdf", permits.permit_pdf_download, name="permit-pdf"),
    path("permits/<str:permit_id>/replace", permits.permit_replace_view, name="permit-replace"),
    path("permits/<str:permit_id>/descent", permits.permit_descent_notice_view, name="permit-descent-notice"),
    # Checkpoints, presence and overdue groups (web/checkpoints.py)
    path("presence/", checkpoints.presence_page, name="presence"),
    path("rescue/", checkpoints.rescue_page, name="rescue"),
    path("rescue/map.png", checkpoints.rescue_map_picture, name="rescue-map"),
    path("rescue/<str:reference>/people", checkpoints.rescue_people_panel, name="rescue-people"),
    path("alerts/<int:alert_id>/act", checkpoints.alert_act_view, name="alert-act"),
    path("applications/<str:reference>/presence", checkpoints.group_presence_page, name="group-presence"),
    path("applications/<str:reference>/positions", checkpoints.position_report_view, name="position-report"),
    path("applications/<str:reference>/descent", checkpoints.descent_notice_view, name="descent-notice"),
    path("applications/<str:reference>/summit", checkpoints.summit_notice_view, name="summit-notice"),
    path("permits/<str:permit_id>/summit", permits.permit_summit_notice_view, name="permit-summit-notice"),
    # Checkpoint devices (web/devices.py)
    path("devices/", devices.devices_page, name="devices"),
    path("devices/register", devices.device_register_view, name="device-register"),
    path("devices/<str:device_id>/revoke", devices.device_revoke_view, name="device-revoke"),
    # Indicators: dashboard, charts, season report, open data (web/indicators.py)
    path("indicators/", indicator_pages.dashboard_page, name="indicators"),
    path("indicators/charts/<str:name>.<str:fmt>", indicator_pages.chart_picture, name="indicators-chart"),
    path("indicators/report/<int:year>/", indicator_pages.report_page, name="indicators-report"),
    path("indicators/report/<int:year>.pdf", indicator_pages.report_pdf_download, name="indicators-report-pdf"),
    path("indicators/open-data/", indicator_pages.open_data_page, name="open-data"),
    path("indicators/open-data/<int:year>/<str:table>.csv", indicator_pages.open_data_csv, name="open-data-csv"),
]

# Trade ledger (web/ledger.py): imported here so that its routes are one insertion in this shared file.
from tengri.web import ledger as ledger_pages  # noqa: E402

urlpatterns += [
    path("ledger/", ledger_pages.ledger_page, name="ledger"),
    path("ledger/import", ledger_pages.ledger_import_view, name="ledger-import"),
    path("ledger/claim", ledger_pages.ledger_claim_view, name="ledger-claim"),
]
