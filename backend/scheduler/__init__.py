"""The scheduler process: a job registry, a runner that runs every job as of an instant, the CLI.

APScheduler only decides *when* (every minute, in UTC); what happens is
:func:`backend.scheduler.runner.run_all`, which ``scheduler tick`` calls too.
"""
