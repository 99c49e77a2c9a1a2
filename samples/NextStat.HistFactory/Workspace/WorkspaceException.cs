namespace NextStat.HistFactory;

/// <summary>
/// A workspace, patch or measurement that cannot be turned into a model. The message names the source, the JSON path
/// and the object (channel, sample, modifier or parameter) so that the offending entry can be found in the file.
/// </summary>
public sealed class WorkspaceException : Exception
{
    /// <summary>Creates the exception for an error at <paramref name="jsonPath"/> of <paramref name="sourceName"/>.</summary>
    public WorkspaceException(string sourceName, string jsonPath, string message, Exception? innerException = null)
        : base(Format(sourceName, jsonPath, message), innerException)
    {
        SourceName = sourceName;
        JsonPath = jsonPath;
        Detail = message;
    }

    /// <summary>The file name or label the JSON came from.</summary>
    public string SourceName { get; }

    /// <summary>The JSON path of the offending value, such as <c>$.channels[1].samples[0].data[3]</c>.</summary>
    public string JsonPath { get; }

    /// <summary>The error without the source and path prefix.</summary>
    public string Detail { get; }

    private static string Format(string sourceName, string jsonPath, string message) =>
        $"{sourceName}: {jsonPath}: {message}";
}
