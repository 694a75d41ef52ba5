// Style sheets imported by @grafana/ui's dependencies: nothing to apply in jsdom.
module.exports = {};
