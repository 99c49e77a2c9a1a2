namespace NextStat.Kernels.Fitting;

/// <summary>
/// Cholesky factorisation, solves and inverse of small dense symmetric matrices stored row-major in flat spans
/// (fits have at most a few hundred parameters, so O(m³) on the calling thread is cheap and deterministic).
/// </summary>
internal static class DenseCholesky
{
    /// <summary>
    /// Replaces the lower triangle of <paramref name="a"/> (m×m) by L with A = L·Lᵀ. Returns false when A is not
    /// positive definite (a pivot ≤ 0 or not finite); the upper triangle is left as it was.
    /// </summary>
    public static bool Factor(Span<double> a, int m)
    {
        for (int j = 0; j < m; j++)
        {
            Span<double> rowJ = a.Slice(j * m, m);
            double diagonal = rowJ[j];
            for (int k = 0; k < j; k++)
            {
                diagonal -= rowJ[k] * rowJ[k];
            }

            if (!(diagonal > 0) || !double.IsFinite(diagonal))
            {
                return false;
            }

            double pivot = Math.Sqrt(diagonal);
            rowJ[j] = pivot;
            double inversePivot = 1.0 / pivot;
            for (int i = j + 1; i < m; i++)
            {
                Span<double> rowI = a.Slice(i * m, m);
                double sum = rowI[j];
                for (int k = 0; k < j; k++)
                {
                    sum -= rowI[k] * rowJ[k];
                }

                rowI[j] = sum * inversePivot;
            }
        }

        return true;
    }

    /// <summary>Solves L·Lᵀ·x = b in place, with L from <see cref="Factor"/>.</summary>
    public static void Solve(ReadOnlySpan<double> l, int m, Span<double> b)
    {
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<double> row = l.Slice(i * m, m);
            double sum = b[i];
            for (int k = 0; k < i; k++)
            {
                sum -= row[k] * b[k];
            }

            b[i] = sum / row[i];
        }

        for (int i = m - 1; i >= 0; i--)
        {
            double sum = b[i];
            for (int k = i + 1; k < m; k++)
            {
                sum -= l[(k * m) + i] * b[k];
            }

            b[i] = sum / l[(i * m) + i];
        }
    }

    /// <summary>Writes (L·Lᵀ)⁻¹ into <paramref name="inverse"/> (m×m, full), using <paramref name="column"/> (m) as scratch.</summary>
    public static void Invert(ReadOnlySpan<double> l, int m, Span<double> inverse, Span<double> column)
    {
        for (int j = 0; j < m; j++)
        {
            column.Slice(0, m).Clear();
            column[j] = 1.0;
            Solve(l, m, column.Slice(0, m));
            for (int i = 0; i < m; i++)
            {
                inverse[(i * m) + j] = column[i];
            }
        }

        // Solving column by column leaves rounding asymmetry; a covariance must be exactly symmetric.
        for (int i = 0; i < m; i++)
        {
            for (int j = i + 1; j < m; j++)
            {
                double mean = 0.5 * (inverse[(i * m) + j] + inverse[(j * m) + i]);
                inverse[(i * m) + j] = mean;
                inverse[(j * m) + i] = mean;
            }
        }
    }
}
