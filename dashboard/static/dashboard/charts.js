'use strict';
// Draw every server-built Plotly figure in `root`: on page load and after each htmx swap.
// A figure comes from the page (a JSON script element named by data-figure) or from the
// URL in data-figure-url, which answers several figures at once: asked once per URL.
//
// Each chart gets, beside it (never inside the chart's own element, which is an image to
// assistive technology): buttons to download it as PNG or SVG, its data as CSV, and to copy
// the link of the view; and a text summary of what it shows. Plotly's own toolbar is off:
// it covered the charts' tops, and its "Share chart" offers to upload the chart to Plotly's
// cloud. Charts take the page's colours (app.css variables, light or dark as the reader's
// system prefers) and a phone's width, and are drawn again when either changes.
(function () {
  const config = {
    responsive: true,
    displaylogo: false,
    displayModeBar: false,
    showSendToCloud: false, // plotly.js 4.x shows "Share chart..." (an upload) unless told not to
    plotlyServerURL: '', // and with no server there is nowhere to upload to
    showTips: false,
  };
  const dark = window.matchMedia('(prefers-color-scheme: dark)');
  const narrow = window.matchMedia('(max-width: 640px)');
  const drawn = new WeakMap(); // element -> the figure as the server sent it
  const furnished = new WeakSet(); // elements given their buttons and summary
  const sequence = {summary: 0};

  // The light colours charts.py draws with (INK, MUTED, GRID, PAPER), as "r,g,b", and the
  // page variable each one follows.
  const FOLLOWS = {'31,41,51': '--ink', '97,110,124': '--muted', '228,231,235': '--line', '255,255,255': '--paper'};

  function rgb(colour) {
    const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour.trim());
    if (hex) {
      return hex.slice(1).map(function (part) { return parseInt(part, 16); }).join(',');
    }
    const functional = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*([\d.]+)\s*)?\)$/i.exec(colour.trim());
    return functional ? functional.slice(1, 4).join(',') : null;
  }

  // The page's colours for this element: each light colour's replacement, as "r,g,b".
  function palette(element) {
    const style = getComputedStyle(element);
    const swaps = {};
    Object.keys(FOLLOWS).forEach(function (light) {
      const now = rgb(style.getPropertyValue(FOLLOWS[light]) || '');
      if (now) {
        swaps[light] = now;
      }
    });
    return swaps;
  }

  function recolour(value, swaps) {
    if (typeof value === 'string') {
      const found = rgb(value);
      if (found && swaps[found]) {
        const alpha = /^rgba\(.*,\s*([\d.]+)\s*\)$/i.exec(value.trim());
        return alpha ? 'rgba(' + swaps[found] + ',' + alpha[1] + ')' : 'rgb(' + swaps[found] + ')';
      }
      return value;
    }
    if (Array.isArray(value)) {
      return value.map(function (item) { return recolour(item, swaps); });
    }
    if (value && typeof value === 'object' && !('bdata' in value)) {
      const out = {};
      Object.keys(value).forEach(function (key) { out[key] = recolour(value[key], swaps); });
      return out;
    }
    return value;
  }

  // The figure for this page and this width: the page's colours on a filled background
  // (so that a downloaded image has one), and on a phone smaller type, two panels a row,
  // and no drag-to-zoom (a finger drawing over a chart means to scroll the page).
  function fitted(element, figure) {
    const swaps = palette(element);
    const data = recolour(figure.data, swaps);
    const layout = recolour(figure.layout, swaps);
    const paper = swaps['255,255,255'] ? 'rgb(' + swaps['255,255,255'] + ')' : '#ffffff';
    layout.paper_bgcolor = paper;
    layout.plot_bgcolor = paper;
    if (element.classList.contains('fill')) {
      delete layout.height; // as tall as its panel (app.css), which its neighbour sets
    }
    if (narrow.matches) {
      layout.font = Object.assign({}, layout.font, {size: 11});
      layout.dragmode = false;
      if (layout.grid && layout.grid.columns > 2) {
        const rows = Math.ceil(layout.grid.rows * layout.grid.columns / 2);
        const margins = (layout.margin.t || 0) + (layout.margin.b || 0);
        layout.height = margins + (layout.height - margins) / layout.grid.rows * rows;
        layout.grid = Object.assign({}, layout.grid, {columns: 2, rows: rows});
      }
      Object.keys(layout).filter(function (key) { return /^xaxis\d*$/.test(key); }).forEach(function (key) {
        layout[key] = Object.assign({}, layout[key], {nticks: 4});
      });
      // Panel titles and a ladder's rung names in two lines, given the height they need.
      (layout.annotations || []).forEach(function (note) {
        if (/ domain$/.test(note.xref || '')) {
          note.text = twoLines(note.text);
          note.align = 'left';
        } else if (note.yref === 'y domain' && typeof note.text === 'string') {
          // A band's name along the top (a shaded column): its initials, the table says the rest.
          note.text = note.text.split(/\s+/).map(function (word) { return word.charAt(0).toUpperCase(); }).join('');
        }
      });
      const rows = data.length && Array.isArray(data[0].y) && typeof data[0].y[0] === 'string' ? data[0].y : null;
      if (rows && data[0].type !== 'heatmap') { // a label per row (the variants): wrapped
        layout.yaxis = Object.assign({}, layout.yaxis, {tickmode: 'array', tickvals: rows, ticktext: rows.map(twoLines), tickfont: {size: 9}});
        layout.height = Math.max(layout.height, 60 + 28 * rows.length);
      }
      if (layout.yaxis && layout.yaxis.ticktext && !rows) {
        layout.yaxis = Object.assign({}, layout.yaxis, {ticktext: layout.yaxis.ticktext.map(twoLines)});
        layout.height = Math.round(layout.height * 1.4);
      }
    }
    return {data: data, layout: layout};
  }

  // A label of several words broken at the space nearest its middle (as charts.py does).
  function twoLines(label) {
    if (typeof label !== 'string' || label.length < 16 || label.indexOf('<br>') >= 0) {
      return label;
    }
    let cut = -1;
    for (let n = label.indexOf(' '); n >= 0; n = label.indexOf(' ', n + 1)) {
      if (cut < 0 || Math.abs(n - label.length / 2) < Math.abs(cut - label.length / 2)) {
        cut = n;
      }
    }
    return cut < 0 ? label : label.slice(0, cut) + '<br>' + label.slice(cut + 1);
  }

  function plot(element, figure) {
    drawn.set(element, figure);
    furnish(element); // first: a chart as tall as its panel measures the room they leave
    const shown = fitted(element, figure);
    return window.Plotly.react(element, shown.data, shown.layout, config).then(function () {
      element.dataset.drawn = 'true';
      describe(element, figure);
    });
  }

  function failed(element) {
    element.dataset.drawn = 'failed';
    element.removeAttribute('role'); // the message is text to read, not an image's name
    element.textContent = 'This chart could not be loaded; reload the page to try again.';
  }

  // Numbers from a trace column: a plain array, or plotly's typed array ({dtype, bdata}).
  const TYPES = {f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array, i2: Int16Array, u2: Uint16Array, i1: Int8Array, u1: Uint8Array};

  function values(column) {
    if (!column) {
      return [];
    }
    if (column.bdata !== undefined) {
      const bytes = Uint8Array.from(atob(column.bdata), function (c) { return c.charCodeAt(0); });
      return Array.from(new (TYPES[column.dtype] || Float64Array)(bytes.buffer));
    }
    return Array.from(column);
  }

  function label(trace) {
    return (trace.meta && trace.meta.label) || trace.name || '';
  }

  // Plotly text is a subset of HTML (line breaks, escaped characters): as plain text.
  const parser = new DOMParser();

  function text(value) {
    if (value === null || value === undefined || (typeof value === 'number' && isNaN(value))) {
      return '';
    }
    const html = String(value).replace(/<br\s*\/?>/gi, ' · ');
    return /[<&]/.test(html) ? parser.parseFromString(html, 'text/html').body.textContent : html;
  }

  function cell(value) {
    let out = text(value);
    if (typeof value === 'string' && /^[=+\-@\t\r]/.test(out)) {
      out = "'" + out; // a spreadsheet would read it as a formula
    }
    return /[",\n\r]/.test(out) ? '"' + out.replace(/"/g, '""') + '"' : out;
  }

  // The chart's data as drawn: one row per point of each trace (a heat map: per cell).
  function csv(figure) {
    const rows = [['series', 'x', 'y', 'value', 'text']];
    figure.data.forEach(function (trace) {
      const x = values(trace.x);
      const y = values(trace.y);
      if (trace.type === 'heatmap') {
        values(trace.z).forEach(function (row, i) {
          values(row).forEach(function (z, j) {
            rows.push([label(trace), x[j], y[i], z, trace.text ? trace.text[i][j] : '']);
          });
        });
        return;
      }
      const length = Math.max(x.length, y.length);
      for (let n = 0; n < length; n += 1) {
        const note = Array.isArray(trace.text) ? trace.text[n] : trace.text;
        rows.push([label(trace), x[n], y[n], '', note]);
      }
    });
    return rows.map(function (row) { return row.map(cell).join(','); }).join('\r\n') + '\r\n';
  }

  function filename(element) {
    const page = location.pathname.split('/').filter(function (part) { return part.length > 1; });
    return ['entente'].concat(page, [element.dataset.figure.replace(/^figure-/, '')]).join('-');
  }

  function save(blob, name) {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
  }

  function say(toolbar, message) {
    toolbar.querySelector('[role=status]').textContent = message;
  }

  function copy(toolbar) {
    const url = location.href.split('#')[0];
    const done = function () { say(toolbar, 'Link copied.'); };
    const manual = function () {
      // No clipboard (an insecure origin, or refused): the link, selected, to copy by hand.
      const status = toolbar.querySelector('[role=status]');
      status.textContent = '';
      const field = document.createElement('input');
      field.type = 'url';
      field.readOnly = true;
      field.value = url;
      field.setAttribute('aria-label', 'Link to this view');
      status.appendChild(field);
      field.select();
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(done, manual);
    } else {
      manual();
    }
  }

  const BUTTONS = [['png', 'PNG'], ['svg', 'SVG'], ['csv', 'Data (CSV)'], ['link', 'Copy link']];

  // The chart's buttons, right after it.
  function tools(element) {
    const toolbar = document.createElement('div');
    toolbar.className = 'chart-tools';
    toolbar.setAttribute('role', 'group');
    toolbar.setAttribute('aria-label', 'Download or link: ' + (element.getAttribute('aria-label') || 'chart'));
    BUTTONS.forEach(function (pair) {
      if (pair[0] === 'png') {
        toolbar.appendChild(document.createTextNode('Download'));
      }
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.dataset.chartAction = pair[0];
      button.textContent = pair[1];
      toolbar.appendChild(button);
    });
    const status = document.createElement('span');
    status.setAttribute('role', 'status');
    toolbar.appendChild(status);
    toolbar.addEventListener('click', function (event) {
      const button = event.target.closest('button[data-chart-action]');
      if (!button) {
        return;
      }
      const action = button.dataset.chartAction;
      if (action === 'link') {
        copy(toolbar);
      } else if (action === 'csv') {
        save(new Blob([csv(drawn.get(element))], {type: 'text/csv;charset=utf-8'}), filename(element) + '.csv');
        say(toolbar, '');
      } else {
        window.Plotly.downloadImage(element, {
          format: action, filename: filename(element), scale: action === 'png' ? 2 : 1,
          width: element.clientWidth, height: element.clientHeight,
        });
        say(toolbar, '');
      }
    });
    element.after(toolbar);
    return toolbar;
  }

  function day(value) {
    return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : String(value);
  }

  function round(value) {
    return Math.abs(value) >= 10 ? value.toFixed(0) : value.toFixed(2);
  }

  // A sentence per named line or set of points: what a screen reader gets for the image.
  function summary(figure) {
    const lines = [];
    figure.data.forEach(function (trace) {
      if (trace.hoverinfo === 'skip') { // a ribbon's edge, a reference line
        return;
      }
      if (trace.type === 'heatmap') {
        lines.push(text(label(trace) || 'Heat map') + ': ' + values(trace.y).length + ' rows by ' + values(trace.x).length + ' columns, the same figures as the table.');
        return;
      }
      const x = values(trace.x);
      const y = values(trace.y);
      const numbers = y.filter(function (v) { return typeof v === 'number' && !isNaN(v); });
      if (!numbers.length || !x.length) {
        return;
      }
      const last = y.length - 1;
      lines.push(text(label(trace)) + ': ' + numbers.length + ' point' + (numbers.length === 1 ? '' : 's') +
        ' from ' + day(x[0]) + ' to ' + day(x[x.length - 1]) +
        ', lowest ' + round(Math.min.apply(null, numbers)) + ', highest ' + round(Math.max.apply(null, numbers)) +
        (typeof y[last] === 'number' && !isNaN(y[last]) ? ', last ' + round(y[last]) : '') + '.');
    });
    return lines.join(' ');
  }

  // The summary is the chart's description (aria-describedby), hidden from reading in
  // order: a screen reader says it with the chart's name, not twice.
  function describe(element, figure) {
    let note = document.getElementById(element.dataset.summary || '');
    if (!note) {
      sequence.summary += 1;
      note = document.createElement('p');
      note.id = 'chart-summary-' + sequence.summary;
      note.hidden = true;
      element.dataset.summary = note.id;
      element.setAttribute('aria-describedby', note.id);
      (element.nextElementSibling || element).after(note);
    }
    note.textContent = summary(figure);
  }

  // Once per chart: its buttons right after it (app.css places them). A chart as tall as
  // its panel follows the panel's height (set by its neighbour: fonts, a swap) as it changes.
  function furnish(element) {
    if (furnished.has(element)) {
      return;
    }
    furnished.add(element);
    tools(element);
    if (element.classList.contains('fill') && window.ResizeObserver) {
      const watch = new ResizeObserver(function () {
        if (!element.isConnected) {
          watch.disconnect(); // swapped out by htmx
        } else if (element.dataset.drawn === 'true' && element.offsetParent !== null) {
          window.Plotly.Plots.resize(element);
        }
      });
      watch.observe(element);
    }
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

  // Draw each chart again for the new colours or width (from the figure the server sent).
  function redraw() {
    document.querySelectorAll('[data-figure]').forEach(function (element) {
      const figure = drawn.get(element);
      if (figure) {
        plot(element, figure);
      }
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    draw(document);
    if (window.htmx) {
      window.htmx.onLoad(draw);
    }
    dark.addEventListener('change', redraw);
    narrow.addEventListener('change', redraw);
  });
})();
