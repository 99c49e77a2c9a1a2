using NextStat.Kernels.Randomness;
using System.Buffers;

namespace NextStat.Kernels.Batching;

/// <summary>What a scan of an existing batch file found.</summary>
/// <param name="Header">The header, or <see langword="null"/> when the file ends before the header's newline.</param>
/// <param name="Records">The number of complete, in-order records after the header.</param>
/// <param name="ValidLength">The byte length of the header and those records; anything after it is a torn tail.</param>
/// <param name="TornTailBytes">The bytes after <paramref name="ValidLength"/> (a last line cut by a kill), 0 if none.</param>
/// <param name="HeaderPrefix">When <paramref name="Header"/> is null: the bytes of the cut header line.</param>
public sealed record BatchFileScan(BatchHeader? Header, long Records, long ValidLength, long TornTailBytes, byte[] HeaderPrefix);

/// <summary>Reads batch files line by line without holding them in memory.</summary>
public static class BatchFile
{
    /// <summary>
    /// Scans <paramref name="stream"/> from its start: reads the header, then checks every complete record in order
    /// (index <c>shard start + k</c>, the seed the header's seed gives it). A last line without a newline, or a bad
    /// last line, is a torn tail a kill left behind and is reported, not fatal; a bad line with more lines after it is.
    /// </summary>
    /// <exception cref="BatchFormatException">A bad header or a bad record that is not the last line.</exception>
    public static BatchFileScan Scan(Stream stream, string path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Position = 0;
        var lines = new LineReader(stream);
        if (!lines.Next(out ReadOnlySpan<byte> first, out bool firstComplete) || !firstComplete)
        {
            return new BatchFileScan(null, 0, 0, 0, first.ToArray());
        }

        BatchHeader header = BatchHeader.Parse(first, path);
        long validLength = lines.Consumed;
        long records = 0;
        long lineNumber = 1;
        string? pendingProblem = null;
        while (lines.Next(out ReadOnlySpan<byte> line, out bool complete))
        {
            lineNumber++;
            if (pendingProblem is not null)
            {
                // A bad line followed by more data was not left by a kill: someone edited or mixed the file.
                throw new BatchFormatException(path, lineNumber - 1, pendingProblem);
            }
            if (!complete)
            {
                break;
            }
            long index = header.Shard.Range.Start + records;
            if (records >= header.Shard.Range.Count)
            {
                throw new BatchFormatException(path, lineNumber, $"more records than the shard's {header.Shard.Range.Count} items of {header.Shard.Range}");
            }
            string? problem = BatchRecordFormat.Check(line, index, ItemRandom.ItemKey(header.Seed, index));
            if (problem is not null)
            {
                pendingProblem = problem;
                continue;
            }
            records++;
            validLength = lines.Consumed;
        }
        return new BatchFileScan(header, records, validLength, stream.Length - validLength, []);
    }

    /// <summary>Opens and scans the file at <paramref name="path"/> for reading.</summary>
    public static BatchFileScan Scan(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        return Scan(stream, path);
    }

    /// <summary>Splits a stream into newline-terminated lines; reuses one buffer, so memory does not grow with the file.</summary>
    internal sealed class LineReader(Stream stream)
    {
        private readonly ArrayBufferWriter<byte> _line = new(4096);
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _start;
        private int _end;

        /// <summary>Bytes of the stream consumed through the end of the last returned line (its newline included).</summary>
        public long Consumed { get; private set; }

        /// <summary>The next line without its newline; <paramref name="complete"/> is false for a last line lacking one.</summary>
        public bool Next(out ReadOnlySpan<byte> line, out bool complete)
        {
            _line.ResetWrittenCount();
            while (true)
            {
                if (_start == _end)
                {
                    _start = 0;
                    _end = stream.Read(_buffer, 0, _buffer.Length);
                    if (_end == 0)
                    {
                        line = _line.WrittenSpan;
                        complete = false;
                        Consumed += line.Length;
                        return line.Length > 0;
                    }
                }
                int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline >= 0)
                {
                    _line.Write(_buffer.AsSpan(_start, newline - _start));
                    _start = newline + 1;
                    line = _line.WrittenSpan;
                    complete = true;
                    Consumed += line.Length + 1;
                    return true;
                }
                _line.Write(_buffer.AsSpan(_start, _end - _start));
                _start = _end;
            }
        }
    }
}
