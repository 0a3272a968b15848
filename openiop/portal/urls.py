"""The portal's URLs, one module per part so that parts are added without editing one shared list."""

from . import urls_access, urls_care, urls_pages, urls_questionnaires, urls_reminders

app_name = "portal"
urlpatterns = [
    *urls_access.urlpatterns,
    *urls_pages.urlpatterns,
    *urls_care.urlpatterns,
    *urls_questionnaires.urlpatterns,
    *urls_reminders.urlpatterns,
]
