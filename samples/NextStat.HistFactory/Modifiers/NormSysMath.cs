namespace NextStat.HistFactory.Modifiers;

/// <summary>
/// normsys interpolation per parameter (<em>row</em>) and per (row, block) <em>cell</em>. α is the same for all cells
/// of a row, so the piece (polynomial, hi power or lo power) is chosen once per row (<see cref="PieceOf"/>). A cell
/// stores code4's polynomial coefficients a1…a6 (f = 1 + Σ a_i α^i, evaluated by Horner's rule in α) and ln hi,
/// ln lo for the power pieces hi^α = exp(α·ln hi) and lo^(−α) = exp(−α·ln lo).
/// </summary>
internal static class NormSysMath
{
    /// <summary>The values a cell stores for the polynomial: a1…a6 (<see cref="CellFields"/>).</summary>
    internal const int Fields = 6;

    /// <summary>The values a cell stores for the powers, after the polynomial's: ln hi, ln lo.</summary>
    internal const int PowerFields = 2;

    /// <summary>
    /// Which formula a row uses at α, as the tile kernels' per-row value (<see cref="ModifierKernels.Polynomial"/>,
    /// <see cref="ModifierKernels.HighPower"/>, <see cref="ModifierKernels.LowPower"/>). pyhf's boundaries: code4 uses
    /// hi^α from α ≥ 1 and lo^(−α) from α ≤ −1, code1 hi^α for α &gt; 0, else lo^(−α).
    /// </summary>
    internal static double PieceOf(NormSysInterpolation code, double alpha)
    {
        if (code == NormSysInterpolation.Code4)
        {
            return alpha >= 1.0 ? ModifierKernels.HighPower : alpha <= -1.0 ? ModifierKernels.LowPower : ModifierKernels.Polynomial;
        }

        return alpha > 0.0 ? ModifierKernels.HighPower : ModifierKernels.LowPower;
    }

    /// <summary>
    /// The values a cell stores for a modifier with factors <paramref name="hi"/> and <paramref name="lo"/>: code4's
    /// coefficients (zero for code1, which has no polynomial), ln hi and ln lo. A cell of all zeros is the identity.
    /// </summary>
    internal static double[] CellFields(NormSysInterpolation code, double hi, double lo)
    {
        var fields = new double[Fields + PowerFields];
        if (code == NormSysInterpolation.Code4)
        {
            Code4Coefficients(hi, lo, fields.AsSpan(0, 6));
        }

        fields[Fields] = Math.Log(hi);
        fields[Fields + 1] = Math.Log(lo);
        return fields;
    }

    /// <summary>
    /// The code4 polynomial coefficients a1…a6 (α0 = 1) that match value, slope and curvature of the exponential
    /// pieces at α = ±1: a = A⁻¹ b with b = (hi − 1, lo − 1, hi·ln hi, −lo·ln lo, hi·ln² hi, lo·ln² lo), as pyhf does.
    /// </summary>
    internal static void Code4Coefficients(double hi, double lo, Span<double> a)
    {
        double lnHi = Math.Log(hi);
        double lnLo = Math.Log(lo);
        ReadOnlySpan<double> b = [hi - 1.0, lo - 1.0, lnHi * hi, -lnLo * lo, lnHi * lnHi * hi, lnLo * lnLo * lo];
        ReadOnlySpan<double> inverse =
        [
            15.0 / 16, -15.0 / 16, -7.0 / 16, -7.0 / 16, 1.0 / 16, -1.0 / 16,
            3.0 / 2, 3.0 / 2, -9.0 / 16, 9.0 / 16, 1.0 / 16, 1.0 / 16,
            -5.0 / 8, 5.0 / 8, 5.0 / 8, 5.0 / 8, -1.0 / 8, 1.0 / 8,
            -3.0 / 2, -3.0 / 2, 7.0 / 8, -7.0 / 8, -1.0 / 8, -1.0 / 8,
            3.0 / 16, -3.0 / 16, -3.0 / 16, -3.0 / 16, 1.0 / 16, -1.0 / 16,
            1.0 / 2, 1.0 / 2, -5.0 / 16, 5.0 / 16, 1.0 / 16, 1.0 / 16,
        ];
        for (int r = 0; r < 6; r++)
        {
            double sum = 0.0;
            for (int c = 0; c < 6; c++)
            {
                sum += inverse[(r * 6) + c] * b[c];
            }

            a[r] = sum;
        }
    }
}
