using MailFlow.Backend.Hosting;
using MailFlow.Backend.Plugin;

// Grafana starts the plugin with its magic cookie in the environment; everything else is the command line.
if (PluginHost.IsRequested)
{
    return await PluginHost.RunAsync().ConfigureAwait(false);
}

if (args.Length == 0)
{
    PluginHost.PrintUsage(Console.Error);
    return 1;
}

return await BackendCommandLine.RunAsync(args);
