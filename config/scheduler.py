"""The periodic tasks of CELERY_BEAT_SCHEDULE, run in-process when no broker is configured.

Production runs them with celery beat (`make worker`); the embedded default (`make run`) has no
broker, so `manage.py serve` runs this scheduler beside the dev server, from the same schedule."""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from celery.schedules import BaseSchedule, maybe_schedule
from django.db import close_old_connections, connection
from django.utils import timezone

from .celery import app

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass
class PeriodicTask:
    """One entry of CELERY_BEAT_SCHEDULE and when it last ran (None: never, so due at once)."""

    name: str
    task: str
    schedule: BaseSchedule
    args: tuple = ()
    kwargs: dict | None = None
    last_run_at: datetime | None = None

    @classmethod
    def from_setting(cls, name: str, spec: dict, clock: Clock) -> "PeriodicTask":
        schedule = maybe_schedule(spec["schedule"], spec.get("relative", False), app=app)
        # Celery asks the schedule, not us, what time it is: give it our clock.
        schedule.nowfun = clock
        return cls(name, spec["task"], schedule, tuple(spec.get("args", ())), spec.get("kwargs"))

    def is_due(self) -> bool:
        return self.last_run_at is None or self.schedule.is_due(self.last_run_at)[0]

    def seconds_until_due(self) -> float:
        return 0.0 if self.last_run_at is None else self.schedule.is_due(self.last_run_at)[1]


class EmbeddedScheduler:
    """Runs each task of a beat schedule once at start, then whenever its schedule says, in one
    background thread; `stop()` ends it. The tasks run eagerly (Task.apply), one at a time."""

    def __init__(self, beat_schedule: dict, *, clock: Clock = timezone.now, max_sleep=60.0):
        self.tasks = [
            PeriodicTask.from_setting(name, spec, clock) for name, spec in beat_schedule.items()
        ]
        self._clock = clock
        self._max_sleep = max_sleep
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self) -> float:
        """Run every task due now; the seconds until the next one is due."""
        for task in self.tasks:
            if task.is_due():
                task.last_run_at = self._clock()
                self._run(task)
        return min((task.seconds_until_due() for task in self.tasks), default=self._max_sleep)

    def start(self) -> None:
        names = ", ".join(f"{task.name} ({task.schedule})" for task in self.tasks)
        logger.info("Periodic tasks run in this process: %s", names or "none")
        self._thread = threading.Thread(target=self._loop, name="periodic-tasks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        try:
            while not self._stopping.is_set():
                wait = self.run_due()
                # This thread is not a request: nothing else closes its database connection.
                close_old_connections()
                self._stopping.wait(min(max(wait, 0.1), self._max_sleep))
        finally:
            connection.close()

    def _run(self, task: PeriodicTask) -> None:
        started = time.monotonic()
        logger.info("Periodic task %s: running %s", task.name, task.task)
        try:
            result = app.tasks[task.task].apply(task.args, task.kwargs or {}).get()
        except Exception:
            # A failing task must not end the schedule: the next run tries again.
            logger.exception("Periodic task %s failed", task.name)
            return
        elapsed = time.monotonic() - started
        logger.info("Periodic task %s done in %.2f s: %r", task.name, elapsed, result)


def start_if_no_broker(settings) -> EmbeddedScheduler | None:
    """The scheduler started, unless a broker is configured (celery beat's job then)."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        logger.info("A Celery broker is configured: celery beat (`make worker`) runs the tasks.")
        return None
    app.loader.import_default_modules()  # registers every app's tasks, as beat does at start
    scheduler = EmbeddedScheduler(settings.CELERY_BEAT_SCHEDULE)
    scheduler.start()
    return scheduler
