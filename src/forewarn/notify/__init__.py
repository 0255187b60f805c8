"""Telling people: the outbox's messages rendered and delivered, by a worker that runs the clock.

* :mod:`.config` — the delivery settings, checked once at start-up;
* :mod:`.render` — e-mail in the recipient's language (Jinja2 templates, the i18n catalogue);
* :mod:`.links` — signed, expiring, single-use acknowledgement links;
* :mod:`.smtp`, :mod:`.webhook`, :mod:`.signing` — the two channels;
* :mod:`.queue` — claiming notifications by lease, recording each outcome in the ledger;
* :mod:`.reminders`, :mod:`.digest` — deadlines one working day away, daily digests;
* :mod:`.dispatch`, :mod:`.worker` — one delivery round, and the loop that runs the clock;
* :mod:`.status`, :mod:`.told` — the backlog, and the time from being told to acknowledging.

The notifications themselves are written by :mod:`forewarn.store.outbox`, in the transaction
of the change they are about.
"""
