"""What every form of the front end shares: errors and help tied to their field for screen
readers (RGAA: an error is announced with its field)."""


class AccessibleFormMixin:
    """Sets `aria-describedby` (help, error) and `aria-invalid` on a widget when its field is
    looked up for rendering; the template themes/includes/field.html renders the matching ids.
    Done at lookup, not in __init__, so that fields a subclass adds later are described too and
    a bound form is never validated early."""

    def __getitem__(self, name):
        bound = super().__getitem__(name)
        field = bound.field
        described_by = []
        if field.help_text:
            described_by.append(f"{bound.auto_id}_help")
        # _errors stays None until the form has been cleaned: never clean just to render.
        if self._errors is not None and name in self._errors:
            described_by.append(f"{bound.auto_id}_error")
            field.widget.attrs["aria-invalid"] = "true"
        else:
            field.widget.attrs.pop("aria-invalid", None)
        if described_by:
            field.widget.attrs["aria-describedby"] = " ".join(described_by)
        else:
            field.widget.attrs.pop("aria-describedby", None)
        return bound
