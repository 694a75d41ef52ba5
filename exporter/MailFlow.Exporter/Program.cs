using System.CommandLine;
using MailFlow.Exporter.Cli;

var root = new RootCommand("MailFlow TLS Insights exporter: which TLS versions protect your organisation's inbound and outbound mail, from your mail server's logs.");
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(IngestCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(RollupCommand.Create());
root.Subcommands.Add(MailFlow.Exporter.Tlsrpt.TlsrptCommand.Create());
return root.Parse(args).Invoke();
