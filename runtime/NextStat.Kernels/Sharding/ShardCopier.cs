using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Unicode;
using NextStat.Kernels.Batching;
using NextStat.Kernels.Randomness;

namespace NextStat.Kernels.Sharding;

/// <summary>
/// Reads a shard file in large blocks and copies its records to the merged output in the same pass, checking each
/// line on the way. The check costs a few hundred nanoseconds for a ~2.6 kB record instead of a full JSON parse.
/// </summary>
/// <remarks>
/// A record passes when it is one line that starts with exactly the bytes the writer puts first for its item
/// (<c>{"index":i,"seed":s,"status":"</c> with the index the shard's position gives and the seed the header's seed
/// gives), ends with <c>}</c>, is UTF-8 without control bytes, and holds no second record start
/// <c>{"index":</c> (a quote inside a JSON string is always escaped, so that text can only be the start of
/// another record). That catches what damages these files in practice: a kill or a full disk (a cut line), a crash
/// that leaves zero-filled blocks (NUL bytes), a cut line with a record appended after it, files of another run or
/// another shard (index or seed), binary or re-encoded files. It does not re-validate the numbers inside a line,
/// which a full JSON parse would not check for changed digits either. A line that fails gets the full parse of
/// <see cref="BatchRecordFormat.Check"/>, so the message says what is wrong with it.
/// </remarks>
internal static partial class ShardCopier
{
    /// <summary>Bytes read per call: the fastest of 64 KiB … 4 MiB in a measurement (benchmarks/RESULTS.batch.md).</summary>
    public const int DefaultBlockSize = 1 << 20;

    private static ReadOnlySpan<byte> RecordStart => "{\"index\":"u8;

    /// <summary>
    /// The header of the shard file at <paramref name="path"/>, or <see langword="null"/> when the file ends before
    /// the header's newline (its job died at once). Reads only the first line.
    /// </summary>
    /// <exception cref="BatchFormatException">The first line is not a valid header.</exception>
    public static ShardHead? ReadHead(string path)
    {
        using FileStream input = OpenRead(path);
        return ReadHead(input, path);
    }

    /// <summary><see cref="ReadHead(string)"/> from the start of an open <paramref name="stream"/> (left at an unspecified position).</summary>
    public static ShardHead? ReadHead(Stream stream, string path)
    {
        stream.Position = 0;
        byte[] buffer = new byte[64 * 1024];
        int end = 0;
        while (true)
        {
            int newline = buffer.AsSpan(0, end).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                ReadOnlySpan<byte> line = buffer.AsSpan(0, newline);
                return new ShardHead(BatchHeader.Parse(line, path), newline + 1, Convert.ToHexStringLower(SHA256.HashData(line)));
            }
            if (end == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }
            int read = stream.Read(buffer, end, buffer.Length - end);
            if (read == 0)
            {
                return null;
            }
            end += read;
        }
    }

    /// <summary>
    /// Appends bytes <paramref name="from"/> … <paramref name="to"/> of the file at <paramref name="path"/> to
    /// <paramref name="output"/> as they are. On Linux the kernel copies them (copy_file_range: no pass through this
    /// process's memory, and a reflink on file systems that share blocks); elsewhere, or where the call is refused
    /// (file systems or kernels without it), they go through a buffer of <paramref name="blockSize"/> bytes.
    /// </summary>
    /// <exception cref="IOException">The file ends before <paramref name="to"/> (it shrank after it was checked).</exception>
    public static void CopyBytes(string path, long from, long to, FileStream output, int blockSize)
    {
        using FileStream input = OpenRead(path);
        long inOffset = from;
        long outOffset = output.Position;
        if (OperatingSystem.IsLinux())
        {
            // The handles stay open for the whole loop (both streams are alive), so their raw descriptors are valid.
            int inFd = (int)input.SafeFileHandle.DangerousGetHandle();
            int outFd = (int)output.SafeFileHandle.DangerousGetHandle();
            while (inOffset < to)
            {
                nint copied = CopyFileRange(inFd, ref inOffset, outFd, ref outOffset, (nuint)Math.Min(to - inOffset, WritebackBlock), 0);
                if (copied == 0)
                {
                    throw Shrunk(path, inOffset, to);
                }
                if (copied < 0 && Marshal.GetLastPInvokeError() != EINTR)
                {
                    break;
                }
                if (copied > 0)
                {
                    StartWriteback(outFd, outOffset - copied, copied);
                }
            }
            // The kernel moved only the offsets passed to it; the streams keep their own positions.
            output.Position = outOffset;
        }
        input.Position = inOffset;
        byte[] buffer = new byte[(int)Math.Min(blockSize, Math.Max(1, to - inOffset))];
        while (inOffset < to)
        {
            int read = input.Read(buffer, 0, (int)Math.Min(buffer.Length, to - inOffset));
            if (read == 0)
            {
                throw Shrunk(path, inOffset, to);
            }
            Write(output, buffer, 0, read);
            inOffset += read;
        }
    }

    /// <summary>
    /// Bytes the kernel copies per call, each block then handed to the disk at once: the merge ends with an fsync of
    /// everything it wrote, and blocks already on their way overlap the disk's writes with the rest of the copy (merging
    /// two shards of 78 MB: 0.21–0.26 s instead of 0.28–0.35 s, benchmarks/RESULTS.batch.md).
    /// </summary>
    private const int WritebackBlock = 8 << 20;

    /// <summary>Writes to <paramref name="output"/> and, when it is a file, starts the disk write of those bytes.</summary>
    private static void Write(Stream output, byte[] buffer, int offset, int count)
    {
        output.Write(buffer, offset, count);
        if (count > 0 && OperatingSystem.IsLinux() && output is FileStream file)
        {
            // Unbuffered output streams (the merger's): their position is the end of the bytes just written.
            StartWriteback((int)file.SafeFileHandle.DangerousGetHandle(), file.Position - count, count);
        }
    }

    /// <summary>
    /// Starts the disk write of <paramref name="length"/> bytes at <paramref name="offset"/> without waiting for it
    /// (sync_file_range, SYNC_FILE_RANGE_WRITE). Only a head start for the final fsync, which alone makes the output
    /// durable: a refusal changes nothing.
    /// </summary>
    private static void StartWriteback(int fd, long offset, long length) => _ = SyncFileRange(fd, offset, length, SyncFileRangeWrite);

    private const uint SyncFileRangeWrite = 2;

    private const int EINTR = 4;

    private static IOException Shrunk(string path, long at, long expected) =>
        new($"{path} ended at byte {at} while being merged, before the {expected} bytes its completion record states; was it changed during the merge?");

    [LibraryImport("libc", EntryPoint = "copy_file_range", SetLastError = true)]
    private static partial nint CopyFileRange(int inFd, ref long inOffset, int outFd, ref long outOffset, nuint length, uint flags);

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(int fd, long offset, long length, uint flags);

    /// <summary>
    /// Appends the valid records of the shard file at <paramref name="path"/> (whose header is
    /// <paramref name="header"/>) to <paramref name="output"/>, byte for byte, and returns how many there are.
    /// Semantics as <see cref="BatchFile.Scan(Stream, string)"/>: a last line without a newline, or a bad last line, is
    /// a torn tail a kill left behind and is not copied; a bad line with more lines after it is an error.
    /// </summary>
    /// <param name="path">The shard file.</param>
    /// <param name="header">Its header, as <see cref="ReadHead(string)"/> read it.</param>
    /// <param name="output">Where the records go.</param>
    /// <param name="blockSize">Bytes to read at a time (tests use tiny blocks to put lines across block ends).</param>
    /// <exception cref="BatchFormatException">A bad record that is not the last line, or more records than the shard holds.</exception>
    public static long CopyRecords(string path, BatchHeader header, Stream output, int blockSize)
    {
        using FileStream input = OpenRead(path);
        ShardRange range = header.Shard.Range;
        byte[] buffer = new byte[blockSize];
        Span<byte> prefix = stackalloc byte[80];
        int end = 0;        // bytes in the buffer
        int position = 0;   // start of the next line
        int copyFrom = 0;   // start of the checked bytes not yet written
        int checkedEnd = 0; // end of the last record that passed
        bool inHeader = true;
        bool endOfFile = false;
        long lineNumber = 1;
        long records = 0;
        string? pendingProblem = null;
        while (true)
        {
            int length = buffer.AsSpan(position, end - position).IndexOf((byte)'\n');
            if (length < 0)
            {
                if (endOfFile)
                {
                    if (position < end && pendingProblem is not null)
                    {
                        throw new BatchFormatException(path, lineNumber, pendingProblem);
                    }
                    break;
                }
                Write(output, buffer, copyFrom, checkedEnd - copyFrom);
                // Keep the unfinished line; a line longer than the buffer (a model with very many parameters) grows it.
                int kept = end - position;
                if (position == 0 && end == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
                else
                {
                    buffer.AsSpan(position, kept).CopyTo(buffer);
                }
                end = kept;
                position = copyFrom = checkedEnd = 0;
                int read = input.Read(buffer, end, buffer.Length - end);
                endOfFile = read == 0;
                end += read;
                continue;
            }
            ReadOnlySpan<byte> line = buffer.AsSpan(position, length);
            position += length + 1;
            if (inHeader)
            {
                inHeader = false;
                copyFrom = checkedEnd = position;
                continue;
            }
            lineNumber++;
            if (pendingProblem is not null)
            {
                // A bad line followed by more data was not left by a kill: someone edited or mixed the file.
                throw new BatchFormatException(path, lineNumber - 1, pendingProblem);
            }
            if (records >= range.Count)
            {
                throw new BatchFormatException(path, lineNumber, $"more records than the shard's {range.Count} items of {range}");
            }
            long index = range.Start + records;
            ulong seed = ItemRandom.ItemKey(header.Seed, index);
            pendingProblem = Problem(line, index, seed, prefix);
            if (pendingProblem is null)
            {
                records++;
                checkedEnd = position;
            }
        }
        Write(output, buffer, copyFrom, checkedEnd - copyFrom);
        return records;
    }

    /// <summary>Why <paramref name="line"/> is not the record of item <paramref name="index"/>, or null when it is.</summary>
    private static string? Problem(ReadOnlySpan<byte> line, long index, ulong seed, Span<byte> prefix)
    {
        int prefixLength = Prefix(index, seed, prefix);
        if (line.StartsWith(prefix[..prefixLength])
            && line[^1] == (byte)'}'
            && line[1..].IndexOf(RecordStart) < 0
            && IsText(line))
        {
            return null;
        }
        return BatchRecordFormat.Check(line, index, seed)
               ?? $"record {index} is not as the batch runner writes it: one record on one line, starting with " +
                  $"{System.Text.Encoding.UTF8.GetString(prefix[..prefixLength])}, ending with '}}', UTF-8 text without control bytes";
    }

    // Printable ASCII (numbers, names) is the usual case and takes one vector pass; other text must be UTF-8 without
    // control bytes (the writer escapes those).
    private static bool IsText(ReadOnlySpan<byte> line) =>
        line.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) < 0
        || (line.IndexOfAnyInRange((byte)0, (byte)0x1F) < 0 && Utf8.IsValid(line));

    // The bytes BatchRecordFormat.Write puts first: {"index":i,"seed":s,"status":"
    private static int Prefix(long index, ulong seed, Span<byte> prefix)
    {
        RecordStart.CopyTo(prefix);
        int n = RecordStart.Length;
        Utf8Formatter.TryFormat(index, prefix[n..], out int written);
        n += written;
        ",\"seed\":"u8.CopyTo(prefix[n..]);
        n += 8;
        Utf8Formatter.TryFormat(seed, prefix[n..], out written);
        n += written;
        ",\"status\":\""u8.CopyTo(prefix[n..]);
        return n + 11;
    }

    // Unbuffered: the copier reads whole blocks itself, a FileStream buffer would only add a copy.
    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
}

/// <summary>The first line of a shard file.</summary>
/// <param name="Header">The header it holds.</param>
/// <param name="Length">Its length in bytes, newline included: where the records start.</param>
/// <param name="Sha256">SHA-256 of the line without its newline, lower-case hex (what a completion record names).</param>
internal sealed record ShardHead(BatchHeader Header, long Length, string Sha256);
