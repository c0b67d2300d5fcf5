from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from tengri.api.main import api
from tengri.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
urlpatterns += i18n_patterns(
    path("", include("tengri.web.urls")),
    prefix_default_language=True,
)
