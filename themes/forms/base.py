"""What every form of the front end shares: errors and help tied to their field for screen
readers (RGAA: an error is announced with its field)."""


class AccessibleFormMixin:
    """Sets `aria-describedby` (help, error) and `aria-invalid` on each widget; the template
    themes/includes/field.html renders the matching ids."""

    def full_clean(self):
        super().full_clean()
        self._describe_fields()

    def _describe_fields(self):
        for name, field in self.fields.items():
            bound = self[name]
            described_by = []
            if field.help_text:
                described_by.append(f"{bound.auto_id}_help")
            if self.is_bound and name in self.errors:
                described_by.append(f"{bound.auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described_by:
                field.widget.attrs["aria-describedby"] = " ".join(described_by)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe_fields()
