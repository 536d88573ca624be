'use strict';
// The stage list holds every ladder; show only the chosen indicator's stages.
// (The server checks it too: a stage of another indicator is rejected with a message.)
window.addEventListener('load', function () {
  const indicator = document.getElementById('id_indicator');
  const stage = document.getElementById('id_stage');
  if (!indicator || !stage) {
    return;
  }
  function offerLadder() {
    for (const option of stage.options) {
      if (!option.dataset.indicator) {
        continue;
      }
      const ours = option.dataset.indicator === indicator.value;
      option.hidden = !ours;
      option.disabled = !ours;
      if (!ours && option.selected) {
        stage.value = '';
      }
    }
  }
  // The indicator is an autocomplete (select2), which signals changes through jQuery.
  django.jQuery(indicator).on('change', offerLadder);
  offerLadder();
});
