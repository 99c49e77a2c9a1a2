namespace NextStat.Kernels.Batching;

/// <summary>A batch output file that cannot be read as one: the message names the file and line.</summary>
public sealed class BatchFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> at 1-based <paramref name="line"/>.</summary>
    public BatchFormatException(string path, long line, string problem)
        : base($"{path}:{line}: {problem}")
    {
        Path = path;
        Line = line;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The 1-based line.</summary>
    public long Line { get; }
}

/// <summary>
/// An existing output belongs to another run (different workspace, seed, options…): it is left untouched. The
/// message lists the differing fields.
/// </summary>
public sealed class BatchRunMismatchException(string message) : Exception(message);
