from oscar.apps.dashboard import apps


class DashboardConfig(apps.DashboardConfig):
    """Oscar's dashboard app (same name and label: Oscar's templates, URL names, permissions
    and class loading stay Oscar's), its home page replaced by the agent's day
    (reservations/dashboard/home.py); administrators keep Oscar's statistics there."""

    def ready(self):
        super().ready()
        from reservations.dashboard.home import AgentHomeView

        self.index_view = AgentHomeView
