from django.urls import reverse


def test_a_superuser_administrator_gets_no_patient_access_from_the_superuser_flag(world):
    assert world.adam.is_superuser
    assert not world.adam.has_perm("patients.view_chart", world.patient_a)
    assert not world.adam.has_perm("patients.list_patients")
    assert world.adam.has_perm("programs.change_program"), "configuration permissions still work"


def test_administrator_configures_programs_in_the_admin(world, client_for):
    client = client_for(world.adam)
    assert client.get(reverse("admin:programs_program_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_user_change", args=[world.alice.pk])).status_code == 200


def test_patient_records_are_not_in_the_admin(world, client_for):
    page = client_for(world.adam).get(reverse("admin:index")).content.decode()
    assert "Patients" not in page and "Audit" not in page


def test_clinicians_cannot_open_the_admin(world, client_for):
    response = client_for(world.alice).get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
