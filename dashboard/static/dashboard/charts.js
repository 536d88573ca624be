'use strict';
// Draw every server-built Plotly figure in `root`: on page load and after each htmx swap.
// A figure comes from the page (a JSON script element named by data-figure) or from the
// URL in data-figure-url, which answers several figures at once: asked once per URL.
(function () {
  const config = {responsive: true, displaylogo: false, modeBarButtonsToRemove: ['select2d', 'lasso2d']};

  function plot(element, figure) {
    window.Plotly.react(element, figure.data, figure.layout, config);
    element.dataset.drawn = 'true';
  }

  function failed(element) {
    element.dataset.drawn = 'failed';
    element.textContent = 'This chart could not be loaded; reload the page to try again.';
  }

  function draw(root) {
    if (!window.Plotly) {
      return;
    }
    const asked = {};
    root.querySelectorAll('[data-figure]').forEach(function (element) {
      const url = element.dataset.figureUrl;
      if (url) {
        asked[url] = asked[url] || fetch(url, {credentials: 'same-origin'}).then(function (response) {
          return response.ok ? response.json() : Promise.reject(new Error(response.status));
        });
        asked[url].then(function (figures) {
          const figure = figures[element.dataset.figure];
          return figure ? plot(element, figure) : failed(element);
        }, function () {
          failed(element);
        });
        return;
      }
      const source = document.getElementById(element.dataset.figure);
      if (source) {
        plot(element, JSON.parse(source.textContent));
      }
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    draw(document);
    if (window.htmx) {
      window.htmx.onLoad(draw);
    }
  });
})();
