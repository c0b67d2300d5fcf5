from django.urls import path

from tengri.web import views

urlpatterns = [
    path("routes/", views.route_list_page, name="route-list"),
    path("routes/<str:code>/", views.route_page, name="route-detail"),
    path("routes/<str:code>/profile.<str:fmt>", views.route_profile_picture, name="route-profile"),
    path("routes/<str:code>/map.<str:fmt>", views.route_map_picture, name="route-map"),
    path("checkpoints/", views.checkpoint_list_page, name="checkpoint-list"),
]
