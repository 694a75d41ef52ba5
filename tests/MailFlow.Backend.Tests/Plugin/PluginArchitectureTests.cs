using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace MailFlow.Backend.Tests.Plugin;

/// <summary>
/// The package holds one executable per architecture Grafana runs on (Grafana starts gpx_mailflow_linux_&lt;its
/// arch&gt;): each is a glibc ELF for its machine, and the arm64 one, cross-compiled on x64, works: natively on an
/// arm64 machine, elsewhere under qemu-user (qemu-aarch64 with Debian's arm64 C library in /usr/aarch64-linux-gnu).
/// </summary>
[Collection(PluginCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PluginArchitectureTests(PluginHarness harness)
{
    /// <summary>Where Debian's libc6-arm64-cross puts the arm64 loader and C library (qemu-aarch64 -L).</summary>
    private const string Arm64SysRoot = "/usr/aarch64-linux-gnu";

    // Emulation is slow, and slower still on a busy machine: a handshake takes seconds instead of 0.1 s.
    private static readonly TimeSpan EmulatedStart = TimeSpan.FromSeconds(90);

    [Theory]
    // e_machine from the ELF specification's processor supplement: 62 EM_X86_64, 183 EM_AARCH64; the interpreter
    // is glibc's loader for that machine (what Grafana's Ubuntu image has; Alpine's musl has none of them).
    [InlineData("amd64", 62, "/lib64/ld-linux-x86-64.so.2")]
    [InlineData("arm64", 183, "/lib/ld-linux-aarch64.so.1")]
    public void Package_ExecutablePerArchitecture_IsAGlibcElfForThatMachine(string architecture, int machine, string interpreter)
    {
        var path = harness.ExecutableFor(architecture);
        Assert.True(File.Exists(path), $"the package has no {Path.GetFileName(path)}");
        Assert.True(File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute), $"{path} is not executable");

        var elf = ElfFile.Read(path);

        Assert.Equal(machine, elf.Machine);
        // 64-bit little-endian, an executable (ET_EXEC) or a position-independent one (ET_DYN, what the SDK links).
        Assert.True(elf.Is64BitLittleEndian, "not a 64-bit little-endian ELF");
        Assert.Contains(elf.Type, new[] { 2, 3 });
        Assert.Equal(interpreter, elf.Interpreter);
    }

    [Fact]
    public async Task Arm64_StartedWithGrafanasCookie_PrintsTheHandshakeLineAndStopsOnSigterm()
    {
        var (file, args) = Arm64Command(harness.ExecutableFor("arm64"));
        using var process = Process.Start(PluginProcessTests.AsGrafanaStartsIt(file, args))!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var first = await process.StandardOutput.ReadLineAsync().WaitAsync(EmulatedStart);

            Assert.NotNull(first);
            Assert.Matches(PluginProcessTests.HandshakeLine(), first);
        }
        finally
        {
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }

        var rest = await process.StandardOutput.ReadToEndAsync().WaitAsync(EmulatedStart);
        Assert.True(process.WaitForExit(EmulatedStart), "the arm64 plugin did not exit on SIGTERM");
        Assert.Equal(string.Empty, rest);
        Assert.Equal(0, process.ExitCode);
        Assert.All((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.StartsWith("{\"@level\":", line, StringComparison.Ordinal));
    }

    [Fact]
    public void Arm64_UnderTheGrafanaLikeHost_AnswersCheckHealthAndASummary()
    {
        var (file, args) = Arm64Command(harness.ExecutableFor("arm64"));
        // The host starts one executable with Grafana's environment: a wrapper that execs the emulator keeps it.
        var wrapper = Path.Combine(Path.GetTempPath(), "mailflow-arm64-plugin-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(wrapper, "#!/bin/sh\nexec " + string.Join(' ', new[] { file }.Concat(args).Select(a => "'" + a + "'")) + "\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        HostAnswer answer;
        try
        {
            answer = harness.Host(
                new JsonObject
                {
                    ["settings"] = harness.Settings(),
                    ["health"] = true,
                    ["queries"] = new JsonArray(PluginHarness.Query("A", new JsonObject { ["queryType"] = "summary" })),
                    ["startTimeoutSeconds"] = (int)EmulatedStart.TotalSeconds,
                },
                wrapper);
        }
        finally
        {
            File.Delete(wrapper);
        }

        Assert.Empty(answer.Errors);
        Assert.Equal(string.Empty, answer.Json["pingError"]!.GetValue<string>());
        Assert.Empty(answer.Json["badStderr"]!.AsArray());

        // The fixture's latest point is the out-of-range one at 2026-11-04 00:00 (Fixtures/mailflow.lp).
        var health = answer.Json["health"]!;
        Assert.Equal("OK", health["status"]!.GetValue<string>());
        Assert.Contains("2026-11-04 00:00 UTC", health["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // From the fixture's comments: inbound none 3, TLS1.0 10+5, TLS1.2 40+45+7 = 92; outbound TLS1.1 4,
        // TLS1.2 5, TLS1.3 16; per direction the seven TLS versions none, SSLv3, TLS1.0 ... TLS1.3, unknown.
        var frame = Assert.Single(answer.Data("A").Frames);
        Assert.Null(frame.DecodeError);
        Assert.Equal([3L, 0, 15, 0, 92, 0, 0, 0, 0, 0, 4, 5, 16, 0], frame.Field("messages").Longs);
        Assert.Equal(100.0 * 92 / 110, frame.Field("percent").Doubles[4], 9);
    }

    /// <summary>How to run an arm64 executable here: itself on arm64, else under qemu-aarch64 with the arm64 libc.</summary>
    private static (string File, string[] Args) Arm64Command(string executable)
    {
        if (PluginHarness.HostArchitecture == "arm64")
        {
            return (executable, []);
        }

        var qemu = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Select(dir => Path.Combine(dir, "qemu-aarch64"))
            .FirstOrDefault(File.Exists);
        if (qemu is null || !File.Exists(Path.Combine(Arm64SysRoot, "lib", "ld-linux-aarch64.so.1")))
        {
            Assert.Fail($"running the arm64 plugin on this {PluginHarness.HostArchitecture} machine needs qemu-aarch64 and the arm64 C library in {Arm64SysRoot} (Debian: apt-get install qemu-user libc6-arm64-cross; scripts/test.sh installs them)");
        }

        return (qemu, ["-L", Arm64SysRoot, executable]);
    }

    /// <summary>The few ELF header fields the tests check (ELF-64, little-endian; System V gABI layout).</summary>
    private sealed record ElfFile(bool Is64BitLittleEndian, int Type, int Machine, string? Interpreter)
    {
        public static ElfFile Read(string path)
        {
            var bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length >= 64 && bytes[0] == 0x7F && bytes[1] == (byte)'E' && bytes[2] == (byte)'L' && bytes[3] == (byte)'F', $"{path} is not an ELF file");

            // e_ident[EI_CLASS] 2 = ELFCLASS64, e_ident[EI_DATA] 1 = ELFDATA2LSB.
            var is64Le = bytes[4] == 2 && bytes[5] == 1;
            var header = bytes.AsSpan();
            int type = BinaryPrimitives.ReadUInt16LittleEndian(header[16..]);
            int machine = BinaryPrimitives.ReadUInt16LittleEndian(header[18..]);
            if (!is64Le)
            {
                return new ElfFile(false, type, machine, null);
            }

            // Program headers: e_phoff at 32, e_phentsize at 54, e_phnum at 56; PT_INTERP (3) names the loader.
            var programHeaders = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[32..]);
            int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(header[54..]);
            int count = BinaryPrimitives.ReadUInt16LittleEndian(header[56..]);
            string? interpreter = null;
            for (var i = 0; i < count; i++)
            {
                var entry = header[(int)(programHeaders + (i * entrySize))..];
                if (BinaryPrimitives.ReadUInt32LittleEndian(entry) == 3)
                {
                    var offset = (int)BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]);
                    var size = (int)BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]);
                    interpreter = Encoding.ASCII.GetString(bytes, offset, size).TrimEnd('\0');
                }
            }

            return new ElfFile(true, type, machine, interpreter);
        }
    }
}
