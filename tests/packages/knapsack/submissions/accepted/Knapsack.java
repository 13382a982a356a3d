import java.util.ArrayList;
import java.util.List;
import java.util.Scanner;

public class Knapsack {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        int n = in.nextInt(), cap = in.nextInt();
        int[] w = new int[n], v = new int[n];
        for (int i = 0; i < n; i++) {
            w[i] = in.nextInt();
            v[i] = in.nextInt();
        }
        long[][] best = new long[n + 1][cap + 1];
        for (int i = 1; i <= n; i++)
            for (int c = 0; c <= cap; c++) {
                best[i][c] = best[i - 1][c];
                if (c >= w[i - 1])
                    best[i][c] = Math.max(best[i][c], best[i - 1][c - w[i - 1]] + v[i - 1]);
            }
        List<Integer> take = new ArrayList<>();
        for (int i = n, c = cap; i > 0; i--)
            if (best[i][c] != best[i - 1][c]) {
                take.add(i);
                c -= w[i - 1];
            }
        StringBuilder sb = new StringBuilder();
        sb.append(take.size()).append('\n');
        for (int x : take)
            sb.append(x).append(' ');
        System.out.println(sb.toString().trim());
    }
}
