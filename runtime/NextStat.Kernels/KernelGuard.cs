using System.ComponentModel;

namespace NextStat.Kernels;

/// <summary>Argument checks of generated kernels, with messages that name the kernel and its parameters.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelGuard
{
    /// <summary>
    /// Throws an <see cref="ArgumentException"/> for <paramref name="parameter"/> unless its length equals the length of
    /// <paramref name="reference"/>, the kernel's first span.
    /// </summary>
    public static void SameLength(string kernel, string reference, int referenceLength, string parameter, int length)
    {
        if (length != referenceLength)
        {
            Throw(kernel, reference, referenceLength, parameter, length);
        }
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> unless <paramref name="tiles"/> has the fields a tile kernel's element
    /// method reads.
    /// </summary>
    public static void TileFields(string kernel, TileLayout tiles, int fields, int sideFields)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        if (tiles.Fields != fields || tiles.SideFields != sideFields)
        {
            ThrowTileFields(kernel, tiles, fields, sideFields);
        }
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> for <paramref name="parameter"/> of a tile kernel unless its length
    /// is <paramref name="expected"/> (<paramref name="per"/> says per what: rows, lanes).
    /// </summary>
    public static void TileLength(string kernel, string parameter, int length, int expected, string per)
    {
        if (length != expected)
        {
            ThrowTileLength(kernel, parameter, length, expected, per);
        }
    }

    // The throws live apart so that the checks stay small enough to inline: a tile kernel checks every span per call.
    private static void ThrowTileFields(string kernel, TileLayout tiles, int fields, int sideFields) =>
        throw new ArgumentException(
            $"Kernel '{kernel}' reads {fields} field(s) and {sideFields} side field(s) per cell, but the layout has {tiles.Fields} and {tiles.SideFields}.",
            nameof(tiles));

    private static void ThrowTileLength(string kernel, string parameter, int length, int expected, string per) =>
        throw new ArgumentException(
            $"Kernel '{kernel}': span '{parameter}' has length {length}, but the layout needs {expected} ({per}).",
            parameter);

    private static void Throw(string kernel, string reference, int referenceLength, string parameter, int length) =>
        throw new ArgumentException(
            $"Kernel '{kernel}': span '{parameter}' has length {length} but span '{reference}' has length {referenceLength}; every span of one call must have the same length.",
            parameter);
}
