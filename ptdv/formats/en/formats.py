"""English interface, Vietnamese dates: the records' dates stay dd/mm/yyyy in every language;
only the number separators are English."""

from ptdv.formats.vi.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
