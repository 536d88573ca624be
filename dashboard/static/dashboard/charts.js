'use strict';
// Draw every server-built Plotly figure in `root`: on page load and after each htmx swap.
(function () {
  const config = {responsive: true, displaylogo: false, modeBarButtonsToRemove: ['select2d', 'lasso2d']};

  function draw(root) {
    if (!window.Plotly) {
      return;
    }
    root.querySelectorAll('[data-figure]').forEach(function (element) {
      const source = document.getElementById(element.dataset.figure);
      if (!source) {
        return;
      }
      const figure = JSON.parse(source.textContent);
      window.Plotly.react(element, figure.data, figure.layout, config);
      element.dataset.drawn = 'true';
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    draw(document);
    if (window.htmx) {
      window.htmx.onLoad(draw);
    }
  });
})();
