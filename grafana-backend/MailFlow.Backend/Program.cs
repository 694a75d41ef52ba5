using MailFlow.Backend.Hosting;

// Grafana plugin mode (Grafana starts this executable as a go-plugin) is decided here, before the command line:
// the plugin work adds its branch at this point.

return await BackendCommandLine.RunAsync(args);
