using System.Text.RegularExpressions;
using Microsoft.Extensions.FileSystemGlobbing;

namespace MailFlow.Exporter.Input;

/// <summary>
/// Turns command-line inputs (files, directories read recursively, globs, <c>-</c>) into the list of files to read, oldest
/// rotation first (<c>mail.log.2.gz</c>, <c>mail.log.1</c>, <c>mail.log</c>) so that time runs forward.
/// </summary>
public static partial class InputExpander
{
    /// <summary>Expands the inputs; problems (nothing matched, not found) are returned, not thrown.</summary>
    public static (IReadOnlyList<InputSource> Inputs, IReadOnlyList<string> Errors) Expand(IEnumerable<string> arguments)
    {
        var inputs = new List<InputSource>();
        var errors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var argument in arguments)
        {
            if (argument == InputSource.StdinPath)
            {
                if (seen.Add(argument))
                {
                    inputs.Add(new InputSource(argument));
                }

                continue;
            }

            IEnumerable<string> files;
            if (Directory.Exists(argument))
            {
                // Recursive, so that one folder of logs per server or format can be read at once; hidden files are skipped.
                files = Directory.EnumerateFiles(argument, "*", SearchOption.AllDirectories)
                    .Where(path => !System.IO.Path.GetRelativePath(argument, path).Split('/').Any(part => part.StartsWith('.')));
            }
            else if (File.Exists(argument))
            {
                files = [argument];
            }
            else if (argument.IndexOfAny(['*', '?', '[']) >= 0)
            {
                files = Glob(argument);
            }
            else
            {
                errors.Add($"{argument}: no such file or directory");
                continue;
            }

            var matched = OrderByRotation(files).ToList();
            if (matched.Count == 0)
            {
                errors.Add($"{argument}: matched no file");
            }

            foreach (var file in matched)
            {
                var full = System.IO.Path.GetFullPath(file);
                if (seen.Add(full))
                {
                    inputs.Add(new InputSource(file));
                }
            }
        }

        return (inputs, errors);
    }

    private static IEnumerable<string> Glob(string pattern)
    {
        // Split at the first path segment holding a wildcard: the part before it is the root to search.
        var full = System.IO.Path.GetFullPath(pattern.Replace('\\', '/'));
        var segments = full.Split('/');
        var firstWild = Array.FindIndex(segments, segment => segment.IndexOfAny(['*', '?', '[']) >= 0);
        var root = string.Join('/', segments[..firstWild]);
        if (root.Length == 0)
        {
            root = "/";
        }

        if (!Directory.Exists(root))
        {
            return [];
        }

        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddInclude(string.Join('/', segments[firstWild..]));
        return matcher.GetResultsInFullPath(root);
    }

    /// <summary>Orders files by base name, then by rotation number descending (older rotations first).</summary>
    public static IEnumerable<string> OrderByRotation(IEnumerable<string> files) =>
        files.Select(path => (path, key: RotationKey(System.IO.Path.GetFileName(path))))
            .OrderBy(item => System.IO.Path.GetDirectoryName(item.path), StringComparer.Ordinal)
            .ThenBy(item => item.key.Base, StringComparer.Ordinal)
            .ThenByDescending(item => item.key.Rotation)
            .ThenBy(item => item.path, StringComparer.Ordinal)
            .Select(item => item.path);

    private static (string Base, long Rotation) RotationKey(string name)
    {
        var match = RotationPattern().Match(name);
        if (!match.Success)
        {
            return (name, -1);
        }

        var number = match.Groups["n"].Value;
        return (match.Groups["base"].Value, long.Parse(number, System.Globalization.CultureInfo.InvariantCulture));
    }

    // mail.log.3.gz, mail.log.1, maillog-20231201(.gz)
    [GeneratedRegex(@"^(?<base>.+?)[.-](?<n>\d{1,14})(\.gz)?$", RegexOptions.CultureInvariant)]
    private static partial Regex RotationPattern();
}
