"""Formerly: version 1 of a shared document template (the Estaires text), for every
territory. The templates are now per territory (0003): a territory starts from the neutral
text of the code, and the Estaires text is the CCFL's, loaded by its demo data
(cadran/agreements/demo_documents/). Kept so that the migration graph stays the same."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]

    operations = []
