namespace MailFlow.Exporter.Cli;

/// <summary>Process exit codes.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>No input could be read at all.</summary>
    public const int NothingRead = 1;

    /// <summary>Bad options or configuration.</summary>
    public const int UsageError = 2;

    /// <summary>A failure the program did not expect; the message says what.</summary>
    public const int Failure = 3;
}

/// <summary>Runs a command's body so that no exception reaches the user as a stack trace.</summary>
public static class CliRunner
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (CliError e)
        {
            Console.Error.WriteLine($"mailflow-exporter: error: {e.Message}");
            return ExitCodes.UsageError;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("mailflow-exporter: cancelled");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"mailflow-exporter: error: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (CliError e)
        {
            await Console.Error.WriteLineAsync($"mailflow-exporter: error: {e.Message}").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("mailflow-exporter: cancelled").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync($"mailflow-exporter: error: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }
}
