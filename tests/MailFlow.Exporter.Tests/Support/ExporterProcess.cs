using System.Diagnostics;

namespace MailFlow.Exporter.Tests.Support;

/// <summary>Runs the real mailflow-exporter program (the build output beside the tests) as a child process.</summary>
public static class ExporterProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <param name="executable">A published executable to run instead of the built program under <c>dotnet</c>.</param>
    public static Result Run(IEnumerable<string> arguments, string? stdin = null, string? workingDirectory = null, TimeSpan? timeout = null, Action<ProcessStartInfo>? configure = null, string? executable = null)
    {
        var start = new ProcessStartInfo(executable ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? MailFlow.Testing.RepoPaths.Root,
        };
        if (executable is null)
        {
            start.ArgumentList.Add(MailFlow.Testing.RepoPaths.ExporterProgram);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        configure?.Invoke(start);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("mailflow-exporter did not finish: " + string.Join(' ', arguments));
        }

        return new Result(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
