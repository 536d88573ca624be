"""The indicator page's inline form: the admin's observation form, for one indicator."""

from tracker.models import Indicator
from tracker.observations.forms import ObservationForm


class InlineObservationForm(ObservationForm):
    """The indicator is the page's own, and only the measure its kind takes is asked for."""

    class Meta(ObservationForm.Meta):
        fields = tuple(f for f in ObservationForm.Meta.fields if f != "indicator")

    def __init__(self, *args, indicator: Indicator, **kwargs):
        super().__init__(*args, indicator=indicator, **kwargs)
        for kind, field in Indicator.MEASURE_FIELD.items():
            if kind != indicator.kind:
                del self.fields[field]
