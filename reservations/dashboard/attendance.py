"""The pointage screen (tablet): the children booked for a service day, by class and group with
their PAI and diet, each marked present, absent or absent justified, and the service's other
children added as present without booking. Saved all or none; a billed day is read-only."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views import generic

from ..attendance import AttendanceError, Mark, record_attendance
from ..headcount import next_service_day
from ..models import AttendanceState
from ..pointage import pointage
from .forms import HeadcountForm


def attendance_url(service_id, day) -> str:
    query = urlencode({"service": service_id, "date": day.isoformat()})
    return f"{reverse('families-dashboard:attendance')}?{query}"


class AttendanceView(generic.TemplateView):
    """GET: the day's pointage (?service=&date=, by default the agent's first service on its
    next service day). POST: save it; a service of another commune is a 404."""

    template_name = "reservations/dashboard/attendance.html"

    def get_form(self, data):
        form = HeadcountForm(data or None, agent=self.request.user)
        if form.is_bound and not form.is_valid() and form.data.get("service"):
            if "service" in form.errors:
                raise Http404
        return form

    def chosen(self, form):
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        service = data.get("service") or form.fields["service"].queryset.first()
        if service is None:
            return None, None
        return service, data.get("date") or next_service_day(service, timezone.localdate())

    def get_context_data(self, *, errors=(), **kwargs):
        form = self.get_form(self.request.GET)
        service, day = self.chosen(form)
        context = {"form": form, "errors": list(errors)}
        if service is not None and not (form.is_bound and form.errors):
            context.update(pointage(service, day))
            headcount = context["headcount"]
            context["form"] = HeadcountForm(
                initial={"service": service, "date": day}, agent=self.request.user
            )
            context["previous_url"] = headcount.previous_day and attendance_url(
                service.pk, headcount.previous_day
            )
            context["next_url"] = headcount.next_day and attendance_url(
                service.pk, headcount.next_day
            )
        return super().get_context_data(**context, **kwargs)

    def post(self, request):
        form = self.get_form(request.POST)
        if not form.is_valid() or not form.cleaned_data["service"] or not form.cleaned_data["date"]:
            raise Http404
        service, day = form.cleaned_data["service"], form.cleaned_data["date"]
        shown = pointage(service, day)
        marks, not_there = self.marks(request.POST, shown)
        try:
            record_attendance(service, day, marks, by=request.user, not_there=not_there)
        except AttendanceError as error:
            request.GET = request.GET.copy()
            request.GET.update({"service": str(service.pk), "date": day.isoformat()})
            context = self.get_context_data(errors=error.messages)
            return self.render_to_response(context, status=400)
        messages.success(
            request,
            gettext("Pointage du %(day)s enregistré.") % {"day": f"{day:%d/%m/%Y}"},
        )
        return redirect(attendance_url(service.pk, day))

    @staticmethod
    def marks(data, shown) -> tuple[list[Mark], list[int]]:
        """The marks the form posted, for the children it showed only: a state per booked child
        (none chosen: left as it is), and the candidates ticked present without booking."""
        marks = []
        for section in shown["sections"]:
            for row in section.rows:
                state = data.get(f"state-{row.beneficiary.pk}")
                if state:
                    marks.append(Mark(row.beneficiary.pk, state))
        ticked = set(data.getlist("unbooked"))
        not_there = []
        for row in shown["unbooked"]:
            if str(row.beneficiary.pk) in ticked:
                marks.append(Mark(row.beneficiary.pk, AttendanceState.PRESENT_UNBOOKED))
            elif row.recorded:
                not_there.append(row.beneficiary.pk)
        return marks, not_there
