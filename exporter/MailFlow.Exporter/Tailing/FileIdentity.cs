using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace MailFlow.Exporter.Tailing;

/// <summary>
/// A file's identity on Linux: device and inode. It survives renames (rotation by rename keeps it) and changes
/// when a new file is created under the same name, which is how a follower tells the two apart.
/// </summary>
public readonly partial record struct FileIdentity(ulong Device, ulong Inode)
{
    /// <summary>The identity of the file at <paramref name="path"/>, or null when it does not exist (or on non-Linux).</summary>
    public static FileIdentity? Of(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> buffer = stackalloc byte[StatBufferBytes];
        return Native.Stat(path, ref MemoryMarshal.GetReference(buffer)) == 0 ? FromStat(buffer) : null;
    }

    /// <summary>The identity of an open file (the inode being read, whatever its name now is).</summary>
    public static FileIdentity? Of(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> buffer = stackalloc byte[StatBufferBytes];
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Native.FStat((int)handle.DangerousGetHandle(), ref MemoryMarshal.GetReference(buffer)) == 0 ? FromStat(buffer) : null;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Makes a completed rename durable: fsync of the directory holding it (best effort).</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY
        var fd = Native.Open(directory, ReadOnlyDirectory);
        if (fd >= 0)
        {
            _ = Native.FSync(fd);
            _ = Native.Close(fd);
        }
    }

    public override string ToString() => FormattableString.Invariant($"{Device}:{Inode}");

    // struct stat starts with st_dev then st_ino (both 64-bit) on x86_64 and on the generic layout of arm64.
    private const int StatBufferBytes = 256;

    private static FileIdentity FromStat(ReadOnlySpan<byte> stat) =>
        new(MemoryMarshal.Read<ulong>(stat), MemoryMarshal.Read<ulong>(stat[8..]));

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int Stat(string path, ref byte buffer);

        [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
        internal static partial int FStat(int fd, ref byte buffer);

        [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        internal static partial int FSync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        internal static partial int Close(int fd);
    }
}
