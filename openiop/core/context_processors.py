from django.urls import reverse


def navigation(request):
    """The main menu for the signed-in user: only places their role may go."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    if user.has_perm("home.view_my_day"):
        items.append(("home:my_day", "My day"))
    if user.has_perm("patients.list_patients"):
        items.append(("patients:list", "Patients"))
    if user.has_perm("scheduling.view_sessions"):
        items.append(("scheduling:session_list", "Sessions"))
    if user.has_perm("scheduling.view_calendars"):
        items.append(("scheduling:calendar", "Calendar"))
    if user.has_perm("treatment.view_program_plans"):
        items.append(("treatment:program_index", "Treatment plans"))
    if user.has_perm("measures.view_outcomes"):
        items.append(("measures:outcomes_index", "Outcomes"))
    if user.has_perm("operations.view_dashboard"):
        items.append(("operations:dashboard", "Dashboard"))
    if user.has_perm("operations.view_compliance"):
        items.append(("operations:compliance", "Compliance"))
    if user.has_perm("utilization.list_authorizations"):
        items.append(("utilization:list", "Authorizations"))
    if user.has_perm("notes.use"):
        items.append(("notes:my_unsigned", "Notes"))
    if user.has_perm("skills.view_curriculum"):
        items.append(("skills:curriculum", "Skills"))
    if user.has_perm("coordination.view_providers"):
        items.append(("coordination:provider_list", "Providers"))
    if user.has_perm("intake.work_referrals"):
        items.append(("intake:referral_board", "Referrals"))
    if user.has_perm("intake.work_referrals"):
        items.append(("intake:waitlist", "Waitlist"))
        items.append(("intake:due_items", "Due items"))
    if user.has_perm("audit.view_report"):
        items.append(("audit:report", "Audit report"))
    if user.has_perm("home.view_own_care") and not user.has_perm("portal.use"):
        # A patient account not linked to a record yet; linked patients have the portal's own menu.
        items.append(("home:my_care", "My care"))
    if user.is_staff_member:
        items.append(("accounts:profile", "Profile"))
    if user.is_staff and user.is_active:
        items.append(("admin:index", "Configuration"))
    urls = [(reverse(name), label) for name, label in items]
    # The one item the page is under: the longest matching prefix (/operations/compliance/ is under
    # "Compliance", not also under "Dashboard" at /operations/).
    matching = [url for url, _ in urls if url != "/" and request.path.startswith(url)]
    current = max(matching, key=len, default=None)
    return {"nav_items": [{"url": url, "label": label, "current": url == current} for url, label in urls]}
