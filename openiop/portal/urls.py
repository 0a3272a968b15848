"""The portal's URLs, one module per part so that parts are added without editing one shared list."""

from . import urls_consents  # noqa: I001 (one line per part)
from . import urls_access, urls_care, urls_family, urls_pages, urls_questionnaires, urls_reminders

app_name = "portal"
urlpatterns = [
    *urls_access.urlpatterns,
    *urls_pages.urlpatterns,
    *urls_care.urlpatterns,
    *urls_questionnaires.urlpatterns,
    *urls_reminders.urlpatterns,
    *urls_consents.urlpatterns,
    *urls_family.urlpatterns,
]
