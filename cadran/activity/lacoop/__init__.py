"""Optional connector to « La Coop de la médiation numérique » (read-only API v1).

Some advisers also record their activities in La Coop. With a :class:`LaCoopConnection`
(one per territory, entered by its Service Culture in the admin), the sweep queues
:func:`cadran.activity.lacoop.tasks.sync_territory` regularly; it reads the activities
changed since the last sync (:mod:`.client`), matches them to Cadran's advisers by e-mail
and stores them as :class:`ImportedActivity` rows (:mod:`.sync`). The commune reports add
them to their activity figures, an activity already recorded in Cadran counted once
(:mod:`.folding`). See docs/lacoop.md.
"""
